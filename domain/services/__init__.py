"""Services: the rules, and who may do what (each method takes the caller's principal)."""
