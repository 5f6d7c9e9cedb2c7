"""The SCIM 2.0 endpoints under /scim/v2: discovery, Users and Groups, for the company's
directory with a bearer token from `flask --app coachapp scim-token`. Thin views over
coachapp.scim.service; bodies read and written with scim2-models (coachapp.scim.resources)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, g, request, url_for
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Error,
    ETag,
    Filter,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    Meta,
    NotFoundException,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
)
from werkzeug.exceptions import HTTPException

from coachapp.db import get_session
from coachapp.errors import (
    HTTP_MESSAGES,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    answer_routing_errors_under,
)
from coachapp.models import User
from coachapp.scim import service
from coachapp.scim.resources import EnterpriseUser, Group
from coachapp.scim.service import Directory, ScimPerson
from coachapp.scim.tokens import live_scim_token

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
# An unknown path or a method not allowed under /scim/v2 reaches no view: answered here too.
bp.record_once(
    lambda state: answer_routing_errors_under(state.app, f"{bp.url_prefix}/", http_error)
)

MEDIA_TYPE = "application/scim+json"
# Directories send attributes Coachapp does not keep (phone numbers, addresses, titles):
# accepted and left aside rather than refused, as most directories cannot be told not to.
TOLERANT = ScimPolicy(unknown=ScimPolicy.Unknown.ignore)
ENDPOINTS = {"User": "scim.user", "Group": "scim.group"}


def locate(kind: str, object_id: int) -> str:
    scim_id = service.group_scim_id(object_id) if kind == "Group" else str(object_id)
    return url_for(ENDPOINTS[kind], scim_id=scim_id, _external=True)


@bp.before_request
def require_directory_token() -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = live_scim_token(get_session(), token.strip()) if scheme.lower() == "bearer" else None
    if row is None:
        raise UnauthorizedException(
            detail="Send a SCIM token (flask --app coachapp scim-token) as a Bearer token."
        )
    g.scim_directory = Directory.of(row)


def _directory() -> Directory:
    directory: Directory = g.scim_directory
    return directory


# Answers -----------------------------------------------------------------------------------


def scim_response(payload: dict[str, Any], status: int = 200, **headers: str) -> Response:
    response = Response(json.dumps(payload), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers)
    return response


def error_response(answer: Error) -> Response:
    status = answer.status or 400
    response = scim_response(answer.model_dump(scim_ctx=Context.DEFAULT), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def http_error(status: int, detail: str | None = None) -> Response:
    return error_response(Error(status=status, detail=detail or HTTP_MESSAGES.get(status)))


def _refused(status: int, scim_type: str | None, detail: str) -> Response:
    get_session().rollback()
    return error_response(Error(status=status, scim_type=scim_type, detail=detail))


@bp.errorhandler(SCIMException)
def _scim_exception(error: SCIMException) -> Response:
    get_session().rollback()
    return error_response(error.to_error())


@bp.errorhandler(ValidationError)
def _invalid_body(error: ValidationError) -> Response:
    get_session().rollback()
    return error_response(Error.from_validation_error(error.errors()[0]))


# A rule of the domain that refuses what the directory sent, in SCIM's words.
@bp.errorhandler(InvalidInput)
def _invalid_input(error: InvalidInput) -> Response:
    return _refused(400, "invalidValue", error.message)


@bp.errorhandler(Conflict)
def _conflict(error: Conflict) -> Response:
    return _refused(409, None, error.message)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> Response:
    return _refused(404, None, error.message)


@bp.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied) -> Response:
    return _refused(403, None, error.message)


@bp.errorhandler(DomainError)
def _refused_otherwise(error: DomainError) -> Response:
    return _refused(400, None, error.message)


@bp.errorhandler(HTTPException)
def _http_exception(error: HTTPException) -> Response:
    return http_error(error.code or 500)


def _body() -> dict[str, Any]:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="Send the body as a JSON object.")
    return data


def _person_body(person: User | None) -> dict[str, Any]:
    """The body, with what Coachapp requires and a directory may leave out: a name (from
    `name`, or else the person's current one, or else userName) and, for a new person, being
    active; a replacement that leaves `active` out leaves it as it is."""
    body = _body()
    if not body.get("displayName"):
        sent = body.get("name")
        parts: dict[str, Any] = sent if isinstance(sent, dict) else {}
        joined = " ".join(str(parts[k]) for k in ("givenName", "familyName") if parts.get(k))
        fallback = person.name if person is not None else str(body.get("userName") or "")
        body["displayName"] = str(parts.get("formatted") or "").strip() or joined or fallback
    if body.get("active") is None:
        body["active"] = person.active if person is not None else True
    return body


def _parameters(source: Mapping[str, Any] | None = None) -> ResponseParameters[Any]:
    """attributes and excludedAttributes of the query string, or of a search's body."""
    given = request.args if source is None else source
    values = {key: given[key] for key in ("attributes", "excludedAttributes") if key in given}
    return ResponseParameters.model_validate(values)


def _search_body() -> dict[str, Any]:
    """A search's body (RFC 7644 §3.4.3): filter, startIndex, count, attributes and
    excludedAttributes; sorting is not offered."""
    body = _body()
    if body.get("sortBy"):
        raise InvalidValueException(detail="Sorting is not offered (ServiceProviderConfig).")
    if body.get("filter") is not None and not isinstance(body["filter"], str):
        raise InvalidFilterException(detail="filter is a string.")
    return body


def _dump(resource: Any, context: Context, parameters: ResponseParameters[Any] | None) -> Any:
    return resource.model_dump(scim_ctx=context, response_parameters=parameters)


# Discovery ---------------------------------------------------------------------------------


@bp.get("/ServiceProviderConfig")
def service_provider_config() -> Response:
    config = ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=service.MAX_COUNT),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer token",
                description="A token made by flask --app coachapp scim-token.",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig",
            location=url_for("scim.service_provider_config", _external=True),
        ),
    )
    return scim_response(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _resource_types() -> list[ResourceType]:
    user = ResourceType.from_resource(ScimPerson)
    group = ResourceType.from_resource(Group)
    for kind in (user, group):
        kind.meta = Meta(
            resource_type="ResourceType",
            location=url_for("scim.resource_type", type_id=kind.id, _external=True),
        )
    return [user, group]


def _schemas() -> list[Schema]:
    schemas = [ScimPerson.to_schema(), EnterpriseUser.to_schema(), Group.to_schema()]
    for schema in schemas:
        schema.meta = Meta(
            resource_type="Schema",
            location=url_for("scim.schema", schema_id=schema.id, _external=True),
        )
    return schemas


def _listed(
    model: Any,
    resources: list[Any],
    total: int | None = None,
    start: int = 1,
    parameters: ResponseParameters[Any] | None = None,
) -> dict[str, Any]:
    answer = ListResponse[model](
        total_results=len(resources) if total is None else total,
        start_index=start,
        items_per_page=len(resources),
        resources=resources,
    )
    return answer.model_dump(
        scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters or _parameters()
    )


@bp.get("/ResourceTypes")
def resource_types() -> Response:
    return scim_response(_listed(ResourceType, _resource_types()))


@bp.get("/ResourceTypes/<type_id>")
def resource_type(type_id: str) -> Response:
    for kind in _resource_types():
        if kind.id == type_id:
            return scim_response(kind.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no resource type {type_id}.")


@bp.get("/Schemas")
def schemas() -> Response:
    return scim_response(_listed(Schema, _schemas()))


@bp.get("/Schemas/<schema_id>")
def schema(schema_id: str) -> Response:
    for found in _schemas():
        if found.id == schema_id:
            return scim_response(found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no schema {schema_id}.")


@bp.post("/.search")
def search_everything() -> Response:
    db = get_session()
    body = _search_body()
    start, count = service.paging(body.get("startIndex"), body.get("count"))
    total, found = service.search_everything(db, body.get("filter"), start, count)
    resources = [
        service.person_resource(db, item, locate)
        if isinstance(item, User)
        else service.group_resource(item, locate)
        for item in found
    ]
    answer = _listed(ScimPerson | Group, resources, total, start, _parameters(body))
    return scim_response(answer)


# Users -------------------------------------------------------------------------------------


def _person(user: Any, context: Context, status: int = 200) -> Response:
    resource = service.person_resource(get_session(), user, locate)
    headers = {"Location": locate("User", user.id)} if status == 201 else {}
    return scim_response(_dump(resource, context, _parameters()), status, **headers)


@bp.get("/Users")
def users() -> Response:
    db = get_session()
    start, count = service.paging(request.args.get("startIndex"), request.args.get("count"))
    total, people = service.list_people(db, request.args.get("filter"), start, count)
    resources = [service.person_resource(db, user, locate) for user in people]
    return scim_response(_listed(ScimPerson, resources, total, start))


@bp.post("/Users/.search")
def search_users() -> Response:
    db = get_session()
    body = _search_body()
    start, count = service.paging(body.get("startIndex"), body.get("count"))
    total, people = service.list_people(db, body.get("filter"), start, count)
    resources = [service.person_resource(db, user, locate) for user in people]
    return scim_response(_listed(ScimPerson, resources, total, start, _parameters(body)))


@bp.post("/Users")
def create_user() -> Response:
    db = get_session()
    resource = ScimPerson.model_validate(
        _person_body(None), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=TOLERANT
    )
    user = service.create_person(db, _directory(), resource)
    db.commit()
    return _person(user, Context.RESOURCE_CREATION_RESPONSE, 201)


@bp.get("/Users/<scim_id>")
def user(scim_id: str) -> Response:
    return _person(service.person_or_404(get_session(), scim_id), Context.RESOURCE_QUERY_RESPONSE)


@bp.put("/Users/<scim_id>")
def replace_user(scim_id: str) -> Response:
    db = get_session()
    person = service.person_or_404(db, scim_id)
    resource = ScimPerson.model_validate(
        _person_body(person), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=TOLERANT
    )
    service.replace_person(db, _directory(), person, resource)
    db.commit()
    return _person(person, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Users/<scim_id>")
def patch_user(scim_id: str) -> Response:
    db = get_session()
    person = service.person_or_404(db, scim_id)
    operations = PatchOp[ScimPerson].model_validate(
        _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=TOLERANT
    )
    resource = service.person_resource(db, person, locate)
    operations.patch(resource, scim_policy=TOLERANT)
    service.patch_person(db, _directory(), person, resource)
    db.commit()
    return _person(person, Context.RESOURCE_PATCH_RESPONSE)


@bp.delete("/Users/<scim_id>")
def delete_user(scim_id: str) -> Response:
    db = get_session()
    service.delete_person(db, _directory(), service.person_or_404(db, scim_id))
    db.commit()
    return Response(status=204)


# Groups ------------------------------------------------------------------------------------


def _group(group: Any, context: Context, status: int = 200) -> Response:
    resource = service.group_resource(group, locate)
    headers = {"Location": locate("Group", group.id)} if status == 201 else {}
    return scim_response(_dump(resource, context, _parameters()), status, **headers)


@bp.get("/Groups")
def groups() -> Response:
    db = get_session()
    start, count = service.paging(request.args.get("startIndex"), request.args.get("count"))
    total, found = service.list_groups(db, request.args.get("filter"), start, count)
    resources = [service.group_resource(group, locate) for group in found]
    return scim_response(_listed(Group, resources, total, start))


@bp.post("/Groups/.search")
def search_groups() -> Response:
    db = get_session()
    body = _search_body()
    start, count = service.paging(body.get("startIndex"), body.get("count"))
    total, found = service.list_groups(db, body.get("filter"), start, count)
    resources = [service.group_resource(group, locate) for group in found]
    return scim_response(_listed(Group, resources, total, start, _parameters(body)))


@bp.post("/Groups")
def create_group() -> Response:
    db = get_session()
    resource = Group.model_validate(
        _body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=TOLERANT
    )
    group = service.create_group(db, _directory(), resource)
    db.commit()
    return _group(group, Context.RESOURCE_CREATION_RESPONSE, 201)


@bp.get("/Groups/<scim_id>")
def group(scim_id: str) -> Response:
    return _group(service.group_or_404(get_session(), scim_id), Context.RESOURCE_QUERY_RESPONSE)


@bp.put("/Groups/<scim_id>")
def replace_group(scim_id: str) -> Response:
    db = get_session()
    found = service.group_or_404(db, scim_id)
    resource = Group.model_validate(
        _body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=TOLERANT
    )
    service.replace_group(db, _directory(), found, resource)
    db.commit()
    return _group(found, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Groups/<scim_id>")
def patch_group(scim_id: str) -> Response:
    db = get_session()
    found = service.group_or_404(db, scim_id)
    operations = PatchOp[Group].model_validate(
        _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=TOLERANT
    )
    resource = service.group_resource(found, locate)
    operations.patch(resource, scim_policy=TOLERANT)
    service.replace_group(db, _directory(), found, resource)
    db.commit()
    return _group(found, Context.RESOURCE_PATCH_RESPONSE)


@bp.delete("/Groups/<scim_id>")
def delete_group(scim_id: str) -> Response:
    db = get_session()
    service.delete_group(db, _directory(), service.group_or_404(db, scim_id))
    db.commit()
    return Response(status=204)
