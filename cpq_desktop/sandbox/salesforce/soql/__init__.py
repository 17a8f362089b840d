"""SOQL for the emulated org: a lark grammar, a compiler to SQLite SQL, and an engine building REST JSON rows."""
