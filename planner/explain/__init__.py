"""Plans and their failures in plain words: capacity before solving, why no plan exists, why a
target stays uncovered, why a contact changed, and why a cadre holds what it holds."""
