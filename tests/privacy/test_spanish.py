"""The export and retention pages in the reader's language; the export itself (JSON) keeps
its English keys for the programs that read it."""

from __future__ import annotations

from typing import Any

from tests.conftest import HttpsClient


def test_your_data_speaks_the_persons_language(reading_spanish: Any) -> None:
    spanish_rep: HttpsClient = reading_spanish("rep")
    text = spanish_rep.get("/me/export").get_data(as_text=True)
    assert "<title>Tus datos · Coachapp</title>" in text
    assert "Descargar como JSON" in text and "Abrir una página para imprimir" in text
    assert "Download as JSON" not in text and "Everything Coachapp holds" not in text
    printed = spanish_rep.get("/me/export/print").get_data(as_text=True)
    assert "Lo que Coachapp guarda sobre" in printed and ">Perfil</h2>" in printed
    assert ">Profile</h2>" not in printed
    assert "profile" in spanish_rep.get("/me/export.json").get_json()


def test_retention_speaks_the_admins_language(reading_spanish: Any) -> None:
    text = reading_spanish("admin").get("/admin/retention").get_data(as_text=True)
    assert "<title>Conservación · Coachapp</title>" in text
    assert "Guardar la conservación" in text and "Lo que elimina la próxima ejecución" in text
    assert "Save retention" not in text and "How long Coachapp keeps" not in text
