"""The emulated Salesforce CPQ org: REST, SOQL, OAuth and Bulk API 2.0 over HTTPS on loopback."""
