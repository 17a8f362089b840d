"""Field mapping from Salesforce CPQ records to Zuora request values (connector-spec §2 and §5).

- :mod:`.model` — the versioned mapping file (rows of target ← source per object pair);
- :mod:`.pairs` — the object pairs and the Zuora targets each can fill;
- :mod:`.derivations` — the named values the connector computes, with descriptions;
- :mod:`.effective` — the shipped defaults and the merge with an admin's rows;
- :mod:`.store` — the admin's mapping per profile;
- :mod:`.apply` — turning a record into target values;
- :mod:`.validation` — problems in a file, its meaning, and its fit with describe metadata;
- :mod:`.tiers` — usage tier boundary conversion (§2.6), for the planner's tier derivations;
- :mod:`.commands` — ``export_default`` and ``validate_file`` for the command line.
"""

from cpq_desktop.core.mapping.apply import SourceFields, apply_rows, source_fields, split_custom_fields
from cpq_desktop.core.mapping.commands import (
    MappingCommandError,
    describe_dir_lookup,
    export_default,
    profile_options,
    validate_file,
    validate_mapping,
)
from cpq_desktop.core.mapping.derivations import (
    DERIVATIONS,
    Derivation,
    DerivationContext,
    DerivationFunc,
    DerivationRegistry,
)
from cpq_desktop.core.mapping.effective import (
    EffectiveMapping,
    EffectiveRow,
    Origin,
    default_mapping,
    default_mapping_text,
    merge,
)
from cpq_desktop.core.mapping.model import SCHEMA_VERSION, MappingFile, MappingRow, SourceKind, ValueMap
from cpq_desktop.core.mapping.pairs import PAIRS, ObjectPair, TargetField, TargetKind
from cpq_desktop.core.mapping.records import MappingError, MissingPathError, resolve_path
from cpq_desktop.core.mapping.store import (
    MappingFileError,
    effective_mapping,
    load_mapping_file,
    load_profile_mapping,
    mapping_path,
    mapping_to_json,
    save_profile_mapping,
)
from cpq_desktop.core.mapping.tiers import TierBounds, convert_tier_bounds, smallest_unit
from cpq_desktop.core.mapping.validation import DescribeLookup, Problem, parse_mapping

__all__ = [
    "DERIVATIONS",
    "PAIRS",
    "SCHEMA_VERSION",
    "Derivation",
    "DerivationContext",
    "DerivationFunc",
    "DerivationRegistry",
    "DescribeLookup",
    "EffectiveMapping",
    "EffectiveRow",
    "MappingCommandError",
    "MappingError",
    "MappingFile",
    "MappingFileError",
    "MappingRow",
    "MissingPathError",
    "ObjectPair",
    "Origin",
    "Problem",
    "SourceFields",
    "SourceKind",
    "TargetField",
    "TargetKind",
    "TierBounds",
    "ValueMap",
    "apply_rows",
    "convert_tier_bounds",
    "default_mapping",
    "default_mapping_text",
    "describe_dir_lookup",
    "effective_mapping",
    "export_default",
    "load_mapping_file",
    "load_profile_mapping",
    "mapping_path",
    "mapping_to_json",
    "merge",
    "parse_mapping",
    "profile_options",
    "resolve_path",
    "save_profile_mapping",
    "smallest_unit",
    "source_fields",
    "split_custom_fields",
    "validate_file",
    "validate_mapping",
]
