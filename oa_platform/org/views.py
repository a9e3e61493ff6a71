"""Admin views for the organisation: companies, departments, positions."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext
from wtforms import SelectChoice, SelectField, validators

from oa_platform.extensions import db
from oa_platform.model_views import OAModelView
from oa_platform.org.companies import check_company
from oa_platform.org.models import Company, CompanyKind, Department, Position


def _kind_field(required: bool) -> SelectField:
    """The company kind as a choice of the enum's values. FAB's own enum field looks the
    column's values ("group") up among the enum's member names ("GROUP") and fails with a
    KeyError on every list page, whose search form holds it (issue 17, defect 13)."""
    choices = [SelectChoice(kind.value, kind.value.title()) for kind in CompanyKind]
    return SelectField(
        "Kind",
        choices=choices if required else [SelectChoice("", ""), *choices],
        validators=[validators.InputRequired() if required else validators.Optional()],
        widget=Select2Widget(),
    )


# Each unit's Chinese name stands beside its stored (English) one (issue 18): the lists show
# both, so whoever keeps them sees a missing one, and the forms edit both.
NAME_LABELS = {"name_zh": lazy_gettext("Chinese name")}


class CompanyModelView(OAModelView):
    datamodel = SQLAInterface(Company)
    add_form_extra_fields = edit_form_extra_fields = {"kind": _kind_field(required=True)}
    search_form_extra_fields = {"kind": _kind_field(required=False)}
    list_columns = ["code", "name", "name_zh", "kind", "parent"]
    add_columns = edit_columns = ["code", "name", "name_zh", "kind", "parent"]
    show_columns = ["code", "name", "name_zh", "kind", "parent", "children", "departments"]
    search_columns = ["code", "name", "name_zh", "kind", "parent"]
    label_columns = NAME_LABELS
    base_order = ("code", "asc")

    # The command line's rules too (org/companies.py): FAB shows the refusal's message.
    def pre_add(self, item: Company) -> None:
        check_company(db.session, item)

    def pre_update(self, item: Company) -> None:
        check_company(db.session, item)


class DepartmentModelView(OAModelView):
    datamodel = SQLAInterface(Department)
    list_columns = ["company", "code", "name", "name_zh", "parent", "head", "leader_in_charge"]
    add_columns = edit_columns = [
        "company",
        "code",
        "name",
        "name_zh",
        "parent",
        "head",
        "leader_in_charge",
        "reset_delegates",
    ]
    show_columns = [*add_columns, "children"]
    search_columns = ["company", "code", "name", "name_zh", "parent", "head", "leader_in_charge"]
    label_columns = NAME_LABELS
    description_columns = {
        "reset_delegates": "Administrators the head designated to reset members' passwords "
        "(regulations §4.1).",
    }
    base_order = ("code", "asc")

    def pre_add(self, item: Department) -> None:
        _check_parent(item)

    def pre_update(self, item: Department) -> None:
        _check_parent(item)


def _check_parent(item: Department) -> None:
    """A parent department must be in the same company and not below the department itself."""
    parent = item.parent
    if parent is None:
        return
    if parent.company_id != item.company.id:
        raise ValueError("The parent department must belong to the same company.")
    if parent is item or item in parent.ancestors():
        raise ValueError("A department cannot be placed under itself or one of its own units.")


class PositionModelView(OAModelView):
    datamodel = SQLAInterface(Position)
    list_columns = ["name", "name_zh", "rank"]
    add_columns = edit_columns = show_columns = ["name", "name_zh", "rank"]
    label_columns = NAME_LABELS
    base_order = ("rank", "desc")
