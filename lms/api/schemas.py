"""The API's documents, as marshmallow schemas: flask-smorest checks requests and writes
responses with them and describes both in the OpenAPI document."""

from marshmallow import Schema, fields, validate

MAX_LIMIT = 1000
# Ids are the database's integers: anything larger names nothing (and some drivers refuse it).
MAX_ID = 2**31 - 1
ID = validate.Range(min=1, max=MAX_ID)


class ListArgs(Schema):
    cursor = fields.String(
        load_default=None, metadata={"description": "The `next_cursor` of the page before."}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_LIMIT))
    updated_since = fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Only rows changed at or after this moment (ISO 8601)."},
    )


class Problem(Schema):
    """RFC 9457 problem details; ``title`` and ``detail`` in the caller's language."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict()


class UnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(attribute="kind_code")
    name_vi = fields.String()
    name_en = fields.String()
    parent_id = fields.Integer(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)
    updated_at = fields.AwareDateTime()


class PositionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    active = fields.Boolean()
    updated_at = fields.AwareDateTime()


class PositionAssignmentOut(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    position_id = fields.Integer()
    unit_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    continues_id = fields.Integer(allow_none=True)
    updated_at = fields.AwareDateTime()


class PersonOut(Schema):
    id = fields.Integer()
    external_id = fields.String(allow_none=True)
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    active = fields.Boolean()
    updated_at = fields.AwareDateTime()


class PersonIn(Schema):
    """A person as the HR system knows them: the roster's columns."""

    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{1,64}$"))
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True)
    unit_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    position_codes = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=1, max=20),
    )
    start_date = fields.Date(required=True)


class ModuleOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String(allow_none=True)
    retired = fields.Boolean()
    updated_at = fields.AwareDateTime()


class ModuleAssignmentOut(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    module_id = fields.Integer()
    state = fields.String()
    assigned_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    updated_at = fields.AwareDateTime()


class CompletionOut(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    module_id = fields.Integer()
    version_id = fields.Integer()
    completed_at = fields.AwareDateTime()
    expires_on = fields.Date(allow_none=True)
    updated_at = fields.AwareDateTime()


class CertificateOut(Schema):
    id = fields.Integer()
    serial = fields.String()
    kind = fields.String()
    user_id = fields.Integer()
    module_id = fields.Integer(allow_none=True)
    position_id = fields.Integer(allow_none=True)
    issued_on = fields.Date()
    expires_on = fields.Date(allow_none=True)
    status = fields.String(metadata={"enum": ["valid", "revoked", "expired"]})
    verification_url = fields.String()
    updated_at = fields.AwareDateTime()


def page_of(item: type[Schema]) -> type[Schema]:
    """The schema of a page of ``item``s."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "next_cursor": fields.String(allow_none=True),
        },
        name=f"{item.__name__.removesuffix('Out')}Page",
    )


class FiguresArgs(Schema):
    by = fields.String(load_default="unit", validate=validate.OneOf(["unit", "position", "module"]))
    unit_id = fields.Integer(load_default=None, validate=ID)


class FiguresRow(Schema):
    key = fields.Integer(allow_none=True)
    label = fields.String()
    people = fields.Integer()
    assignments = fields.Integer()
    completed = fields.Integer()
    in_progress = fields.Integer()
    not_started = fields.Integer()
    expired = fields.Integer()
    overdue = fields.Integer()


class Figures(Schema):
    on = fields.Date()
    by = fields.String()
    rows = fields.List(fields.Nested(FiguresRow))


class QualificationArgs(Schema):
    position_id = fields.Integer(required=True, validate=ID)
    on = fields.Date(load_default=None)
    username = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=1000),
    )


class RosterSyncIn(Schema):
    rows = fields.List(
        fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)),
        required=True,
        validate=validate.Length(min=1, max=20000),
        metadata={
            "description": "One object per person with the roster import's columns: "
            "username, full_name, email, unit_code, position_codes, start_date, roles."
        },
    )
    dry_run = fields.Boolean(load_default=False)


class RosterSyncOut(Schema):
    id = fields.Integer()
    status = fields.String()
    dry_run = fields.Boolean()
    total_rows = fields.Integer()
    rows_done = fields.Integer()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    errors = fields.List(fields.Dict())
    error = fields.String(allow_none=True)
    url = fields.String()
