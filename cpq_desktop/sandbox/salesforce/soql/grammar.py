"""The SOQL grammar (LALR, contextual lexer, so that ``Order`` is a name after FROM and a keyword before BY)."""

SOQL_GRAMMAR = r"""
start: query

query: _SELECT select_list _FROM NAME alias? using_scope? where? with_clause? _grouped_ordered_paged for_clause?
_grouped_ordered_paged: group_by? having? order_by? limit? offset?

select_list: select_item ("," select_item)*
select_item: field_path alias?          -> select_field
           | func_call alias?           -> select_func
           | "(" subquery ")"           -> select_subquery

subquery: _SELECT select_list _FROM NAME alias? where? _grouped_ordered_paged

alias: NAME

field_path: NAME ("." NAME)*
func_call: NAME "(" field_path? ")"

where: _WHERE condition
having: _HAVING condition

?condition: unary
          | unary (_AND unary)+          -> and_condition
          | unary (_OR unary)+           -> or_condition

?unary: _NOT unary                       -> not_condition
      | "(" condition ")"
      | comparison

?operand: field_path | func_call

comparison: operand COMP_OP value        -> compare
          | operand _LIKE value          -> like
          | operand _IN "(" in_list ")"  -> in_condition
          | operand _NOT _IN "(" in_list ")" -> not_in_condition

in_list: value ("," value)*              -> value_list
       | subquery                        -> semi_join

value: STRING                            -> string
     | NUMBER                            -> number
     | DATETIME                          -> datetime
     | DATE                              -> date
     | _TRUE                             -> true
     | _FALSE                            -> false
     | _NULL                             -> null
     | NAME (":" NUMBER)?                -> date_literal

group_by: _GROUP _BY operand ("," operand)*
order_by: _ORDER _BY order_item ("," order_item)*
order_item: operand direction? nulls?
direction: ASC | DESC
nulls: _NULLS (FIRST | LAST)
limit: _LIMIT NUMBER
offset: _OFFSET NUMBER
using_scope: _USING _SCOPE NAME
with_clause: _WITH NAME
for_clause: _FOR NAME

_SELECT: "SELECT"i
_FROM: "FROM"i
_WHERE: "WHERE"i
_HAVING: "HAVING"i
_AND: "AND"i
_OR: "OR"i
_NOT: "NOT"i
_LIKE: "LIKE"i
_IN: "IN"i
_TRUE: "TRUE"i
_FALSE: "FALSE"i
_NULL: "NULL"i
_GROUP: "GROUP"i
_ORDER: "ORDER"i
_BY: "BY"i
_NULLS: "NULLS"i
_LIMIT: "LIMIT"i
_OFFSET: "OFFSET"i
_USING: "USING"i
_SCOPE: "SCOPE"i
_WITH: "WITH"i
_FOR: "FOR"i
ASC: "ASC"i
DESC: "DESC"i
FIRST: "FIRST"i
LAST: "LAST"i

COMP_OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
NAME: /[a-z_][a-z0-9_]*/i
STRING: /'(?:[^'\\]|\\.)*'/s
DATETIME.3: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})/i
DATE.2: /\d{4}-\d{2}-\d{2}/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)/
// Datetime literals take Z or a ±hh:mm offset and no fraction of a second, as the SOQL reference lists them.

%import common.WS
%ignore WS
"""
