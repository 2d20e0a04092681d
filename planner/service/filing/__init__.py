"""Filing (issue 16): colleges adjust their part of the proposal and file it (备案), the SAO
returns or accepts each filing and approves the university plan (``design/service.md``,
"propose globally, adjust locally, file, approve")."""
