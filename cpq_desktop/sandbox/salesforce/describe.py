"""Describe results of the emulated org, in the JSON shapes of ``GET /sobjects`` and ``/sobjects/{T}/describe``
(salesforce-api.md §2.3, §2.4). Every key the real API sends is present, nulls included."""

from __future__ import annotations

from typing import Any

from .errors import SalesforceApiError
from .schema import NUMBER_TYPES, FieldDef, ObjectDef, Schema

DEFAULT_API_VERSION = "59.0"

# Objects the org exposes but whose records a user cannot create or delete through the API.
_READ_ONLY_OBJECTS = frozenset({"organization"})


def _object_urls(obj: ObjectDef, api_version: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _global_entry(obj: ObjectDef, api_version: str) -> dict[str, Any]:
    writable = obj.key not in _READ_ONLY_OBJECTS
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": writable,
        "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": writable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "idEnabled": True,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.key in ("account", "contact"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": writable,
        "updateable": writable,
        "urls": _object_urls(obj, api_version),
    }


def describe_global(schema: Schema, api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
    """The body of ``GET /services/data/vXX.X/sobjects``."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_global_entry(obj, api_version) for obj in sorted(schema, key=lambda o: o.name.lower())],
    }


def _picklist_values(fdef: FieldDef) -> list[dict[str, Any]]:
    return [
        {
            "active": True,
            "defaultValue": value == fdef.default_picklist,
            "label": value,
            "validFor": None,
            "value": value,
        }
        for value in fdef.picklist
    ]


def _byte_length(fdef: FieldDef) -> int:
    if fdef.type in ("id", "reference"):
        return 18
    return fdef.length * 3 if fdef.length else 0


def describe_field(fdef: FieldDef) -> dict[str, Any]:
    """One entry of a describe's ``fields`` list."""
    numeric = fdef.type in NUMBER_TYPES
    is_id = fdef.type == "id"
    text_like = fdef.type not in ("boolean", "datetime", "date") and not numeric
    return {
        "aggregatable": fdef.type not in ("boolean", "textarea"),
        "aiPredictionField": False,
        "autoNumber": fdef.auto_number is not None,
        "byteLength": _byte_length(fdef),
        "calculated": fdef.calculated,
        "calculatedFormula": None,
        "cascadeDelete": fdef.cascade_delete,
        "caseSensitive": False,
        "compoundFieldName": None,
        "controllerName": None,
        "createable": fdef.createable,
        "custom": fdef.custom,
        "defaultValue": fdef.default_value if fdef.type == "boolean" else None,
        "defaultValueFormula": None,
        "defaultedOnCreate": fdef.defaulted_on_create or is_id,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if fdef.type == "int" else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": fdef.external_id,
        "extraTypeInfo": None,
        "filterable": True,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": fdef.type not in ("textarea", "double", "currency", "percent", "datetime"),
        "highScaleNumber": False,
        "htmlFormatted": False,
        "idLookup": is_id or fdef.external_id or fdef.unique,
        "inlineHelpText": None,
        "label": fdef.label,
        "length": fdef.length if text_like else 0,
        "mask": None,
        "maskType": None,
        "name": fdef.name,
        "nameField": fdef.name_field,
        "namePointing": False,
        "nillable": fdef.nillable,
        "permissionable": fdef.nillable and not is_id,
        "picklistValues": _picklist_values(fdef),
        "polymorphicForeignKey": False,
        "precision": fdef.precision if numeric and fdef.type != "int" else 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(fdef.reference_to),
        "relationshipName": fdef.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": False,
        "scale": fdef.scale if numeric else 0,
        "searchPrefilterable": False,
        "soapType": fdef.soap_type,
        "sortable": fdef.type != "textarea",
        "type": fdef.type,
        "unique": fdef.unique,
        "updateable": fdef.updateable,
        "writeRequiresMasterRead": False,
    }


def describe_sobject(schema: Schema, name: str, api_version: str = DEFAULT_API_VERSION) -> dict[str, Any]:
    """The body of ``GET /services/data/vXX.X/sobjects/{name}/describe``; 404 NOT_FOUND for an unknown object."""
    obj = schema.get(name)
    if obj is None:
        raise SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")
    body = _global_entry(obj, api_version)
    base = body["urls"]["sobject"]
    body["urls"] = {
        **body["urls"],
        "compactLayouts": f"{base}/describe/compactLayouts",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "uiDetailTemplate": "https://127.0.0.1/{ID}",
        "uiEditTemplate": "https://127.0.0.1/{ID}/e",
        "uiNewRecord": f"https://127.0.0.1/{obj.key_prefix}/e",
        "layouts": f"{base}/describe/layouts",
        "quickActions": f"{base}/quickActions",
        "listviews": f"{base}/listviews",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
    }
    body.update(
        {
            "actionOverrides": [],
            "childRelationships": [
                {
                    "cascadeDelete": rel.cascade_delete,
                    "childSObject": rel.child_object,
                    "deprecatedAndHidden": False,
                    "field": rel.field,
                    "junctionIdListNames": [],
                    "junctionReferenceTo": [],
                    "relationshipName": rel.relationship_name,
                    "restrictedDelete": False,
                }
                for rel in schema.child_relationships(obj.name)
            ],
            "compactLayoutable": True,
            "defaultImplementation": None,
            "extendedBy": None,
            "extendsInterfaces": None,
            "fields": [describe_field(f) for f in obj.iter_fields()],
            "implementedBy": None,
            "implementsInterfaces": None,
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": "012000000000000AAA",
                    "urls": {"layout": f"{base}/describe/layouts/012000000000000AAA"},
                }
            ],
            "searchLayoutable": True,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + obj.label_plural.lower(), "name": "everything"}],
        }
    )
    return body
