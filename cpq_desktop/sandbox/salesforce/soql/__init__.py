"""SOQL for the emulated org: a lark grammar (:mod:`.grammar`, :mod:`.parser`), a compiler to SQLite SQL
(:mod:`.compiler`) and an engine that builds REST JSON rows page by page (:mod:`.engine`).

Supported, as the real API answers it:

- SELECT lists with parent paths up to five levels (``Account.Owner.Name``, ``SBQQ__Quote__r.SBQQ__Type__c``),
  one level of parent-to-child subqueries by child relationship name (with WHERE, ORDER BY, LIMIT), object
  aliases, ``FIELDS(ALL|STANDARD|CUSTOM)``;
- WHERE with AND / OR / NOT (mixing AND and OR without parentheses is refused, as in SOQL), ``= != <> < <= > >=``,
  LIKE (case-insensitive, ``%`` ``_`` and their escapes), IN / NOT IN over literal lists and semi-/anti-join
  subqueries, null, booleans, numbers, quoted strings with SOQL escapes, date and datetime literals, relative date
  literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER, the FISCAL variants…) and date functions (CALENDAR_YEAR…);
- ORDER BY (ASC/DESC, NULLS FIRST/LAST, text sorted case-insensitively), LIMIT, OFFSET (at most 2,000);
- COUNT(), COUNT(field), COUNT_DISTINCT, SUM, AVG, MIN, MAX with GROUP BY (fields or date functions) and HAVING;
  unaliased aggregates are named ``expr0``, ``expr1``…; rows have ``attributes.type == "AggregateResult"``;
- USING SCOPE everything|mine, WITH SECURITY_ENFORCED, FOR VIEW|REFERENCE (no effect beyond ``mine``).

Errors carry the real codes (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, INVALID_QUERY_FILTER_OPERATOR,
NUMBER_OUTSIDE_VALID_RANGE, QUERY_TOO_COMPLICATED) and the message shape: an excerpt of the query line, a caret,
``ERROR at Row:r:Column:c`` and the explanation.

Not emulated: TYPEOF and polymorphic fields, multi-select picklist INCLUDES/EXCLUDES, GROUP BY ROLLUP/CUBE,
toLabel/FORMAT/convertCurrency, SOSL. The org's time zone is GMT, weeks start on Sunday and the fiscal year is the
calendar year.
"""
