"""Who may change the archive: accounts and API tokens (users), sign-in backoff (throttle), roles and access
settings (policy), write limits (limits), the audit trail (audit) and the audited changes themselves (changes).

This package is public for the web app (tests/test_import_graph.py, UI_PUBLIC): ui_streamlit.py imports what it
needs from here. An HTTP API checks a request with `UserStore(path).check_token(bearer_token(header))`.
"""
from __future__ import annotations

from search.access import audit, changes
from search.access.limits import WriteLimits, WriteRefused
from search.access.policy import (EDITOR_TABS, AccessSettings, allowed, client_origin, listen_message,
                                  oidc_identity, visible_tabs)
from search.access.throttle import LoginThrottle, SignIn, sign_in
from search.access.users import AccountError, Identity, UserStore, bearer_token

__all__ = ["AccessSettings", "AccountError", "EDITOR_TABS", "Identity", "LoginThrottle", "SignIn", "UserStore",
           "WriteLimits", "WriteRefused", "allowed", "audit", "bearer_token", "changes", "client_origin",
           "listen_message", "oidc_identity", "sign_in", "visible_tabs"]
