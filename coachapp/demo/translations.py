"""The demo's Spanish text of its main coaching guide (the default guide's published version)
and of one learning journey, as enablement would give them under /admin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.coaching.default_guide import DEFAULT_GUIDE_NAME
from coachapp.models import (
    CoachingGuide,
    GuideStatus,
    GuideTranslation,
    GuideVersion,
    Journey,
    JourneyTranslation,
    JourneyVersion,
)

LANGUAGE = "es"
GUIDE = {
    "name": "Coaching de campo en gestión de cuentas",
    # By the section's position in the version.
    "sections": {
        "0": "Planificación de cuentas y pensamiento estratégico",
        "1": "Visión de negocio y conocimiento del cliente",
        "2": "Relación con el cliente",
        "3": "Colaboración",
        "4": "Coordinación",
        "5": "Comunicación",
        "6": "Liderar sin autoridad formal",
        "7": "Ejecutar el plan",
    },
    # By the behaviour's key; indicators and questions one line for each of the original's.
    "competencies": {
        "account_situation_analysis": {"name": "Lee la situación de la cuenta"},
        "strategic_priorities": {"name": "Fija prioridades claras y metas medibles"},
        "stakeholder_mapping": {
            "name": "Mapea a los actores clave y el proceso de decisión",
            "indicators": [
                "Mapea a quienes deciden, influyen y filtran en cada prioridad, incluidos "
                "farmacia, finanzas, la línea de servicio, enfermería y abastecimiento.",
                "Conoce el camino formal de decisión (comité de farmacia y terapéutica, comité "
                "de análisis de valor, contratación) y a quienes influyen informalmente.",
                "Califica la fuerza de cada relación con evidencia y tiene un plan para cerrar "
                "brechas con los actores clave.",
                "Desarrolla a un aliado que pueda abogar por nosotros cuando no estamos en la "
                "sala.",
            ],
            "questions": [
                "¿Quién puede decir que no a esto, y cuándo habló alguien de nuestro equipo "
                "con esa persona por última vez?",
                "¿Quién es tu aliado, y qué necesitaría para abogar por nosotros en el comité?",
                "¿Qué relación del mapa de actores es la más débil, y quién del equipo está "
                "mejor ubicado para construirla?",
            ],
        },
        "customer_profiling": {"name": "Perfila la cuenta: negocio, clínica, operación, reembolso"},
        "business_insight": {"name": "Convierte el conocimiento del cliente en valor"},
        "questioning": {"name": "Hace preguntas con propósito"},
        "listening_empathy": {"name": "Escucha y responde con empatía"},
        "gaining_commitment": {"name": "Acuerda próximos pasos claros"},
        "cross_functional_collaboration": {
            "name": "Trabaja como un solo equipo de cuenta entre funciones"
        },
        "account_team_coordination": {"name": "Coordina la actividad del equipo en la cuenta"},
        "team_communication": {
            "name": "Se comunica con claridad con el equipo de cuenta y el gerente"
        },
        "influence_without_authority": {"name": "Lidera al equipo de cuenta sin autoridad formal"},
        "plan_execution": {
            "name": "Cumple sus acciones y compromisos",
            "indicators": [
                "Completa sus acciones para la fecha límite, o renegocia la fecha antes de que "
                "pase.",
                "Da seguimiento a las acciones abiertas de sus compañeros antes de que se venzan.",
                "Cambia de táctica cuando una meta entra en riesgo en lugar de repetir la misma "
                "actividad.",
            ],
            "questions": [
                "¿Qué acciones del plan están vencidas, y qué bloquea cada una?",
                "Esta meta está en riesgo: ¿qué harás distinto en las próximas dos semanas?",
                "¿Qué te comprometiste a hacer en nuestra última sesión, y cómo vas con eso?",
            ],
        },
        "plan_review_discipline": {"name": "Mantiene el plan al día y revisa el avance"},
    },
}
# The journey on stakeholder mapping, by its steps' positions.
JOURNEY_KEY = "stakeholder_mapping"
JOURNEY = {
    "name": "Mapear a quienes deciden",
    "steps": {
        "0": {
            "title": "Empieza por el comité, no por el contacto",
            "body": "Antes de tu próxima visita, anota quién integra el comité de farmacia y "
            "terapéutica y quién lo preside.",
        },
        "1": {
            "title": "Mapea el comité de farmacia y terapéutica de un IDN de tu plan",
            "body": "Elige un IDN de tu plan. Nombra a los miembros del comité, su papel en la "
            "decisión y qué tan fuerte es tu relación con cada uno. Envía lo que encontraste "
            "y la brecha que vas a cerrar primero.",
        },
        "2": {
            "title": "¿Quién diría que no, y por qué?",
            "body": "Piensa en el actor con más probabilidad de bloquear tu próximo paso. ¿Qué "
            "necesita escuchar, y de quién?",
        },
        "3": {
            "title": "Módulo de mapeo de actores clave (15 min)",
            "body": "El módulo en el sistema de aprendizaje, con un ejemplo resuelto.",
        },
    },
}


def seed_translations(db: Session) -> int:
    """Gives the default guide's latest published version and the stakeholder-mapping
    journey's their Spanish text, where they have none (idempotent); how many were added."""
    added = 0
    version = db.scalar(
        select(GuideVersion)
        .join(CoachingGuide, CoachingGuide.id == GuideVersion.guide_id)
        .where(
            CoachingGuide.name == DEFAULT_GUIDE_NAME, GuideVersion.status == GuideStatus.PUBLISHED
        )
        .order_by(GuideVersion.number.desc())
        .limit(1)
    )
    if version is not None:
        added += _add(db, GuideTranslation, version.id, GUIDE)
    journey_version = db.scalar(
        select(JourneyVersion)
        .join(Journey, Journey.id == JourneyVersion.journey_id)
        .where(
            Journey.competency_key == JOURNEY_KEY, JourneyVersion.status == GuideStatus.PUBLISHED
        )
        .order_by(JourneyVersion.number.desc())
        .limit(1)
    )
    if journey_version is not None:
        added += _add(db, JourneyTranslation, journey_version.id, JOURNEY)
    db.commit()
    return added


def _add(db: Session, model: Any, version_id: int, texts: dict[str, Any]) -> int:
    present = db.scalar(
        select(model.id).where(model.version_id == version_id, model.language == LANGUAGE)
    )
    if present is not None:
        return 0
    db.add(model(version_id=version_id, language=LANGUAGE, texts=texts))
    return 1
