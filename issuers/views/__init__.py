"""Portal pages of the commercial model: issuers, resale agreements, SE space allocations.

Every page reads through `for_user` (another organisation's object answers 404) and then
checks the role's permission (403). Writes go through issuers.services; a refusal is shown
on the form, at the field it names.
"""
