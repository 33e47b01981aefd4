"""Pages of hall duty (mounted at /halls/), one module per audience.

- ``public``: no login — the published rota of a hall, its printable sign, the
  evaluation page a service user reaches from the hall's QR code;
- ``kiosk``: the hall's screen with the rotating sign-in code, behind a signed token;
- ``director``: the sign-in page the director's phone opens, their shifts (A/B filing,
  work records, problem follow-up);
- ``reports``: the monthly briefing and the department assessment, with XLSX downloads.

Every change goes through ``programs.halls.services`` (user steps through
policyops.workflow); the public pages show names, departments and dates only.
"""
