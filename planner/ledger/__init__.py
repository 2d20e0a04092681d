"""After the placement: the contact work itself (clauses 三 and 四 of 暨党发〔2019〕47号)."""
