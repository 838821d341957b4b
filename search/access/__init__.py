"""Who may change the archive: accounts and API tokens (users), sign-in backoff (throttle), roles and access
settings (policy), write limits (limits), the audit trail (audit) and the audited changes themselves (changes).

This package is public for the web app (tests/test_import_graph.py, UI_PUBLIC): ui_streamlit.py imports what it
needs from here. An HTTP API checks a request with `authorize(UserStore(path), authorization_header, action)`: the caller's Identity,
or AccessDenied with the status to answer (401 without a valid token, 403 for a reader's token on a write).
"""
from __future__ import annotations

from search.access import audit, changes
from search.access.limits import WriteLimits, WriteRefused
from search.access.policy import (EDITOR_TABS, AccessDenied, AccessSettings, allowed, authorize, client_origin,
                                  listen_message, oidc_identity, visible_tabs)
from search.access.throttle import LoginThrottle, SignIn, sign_in
from search.access.users import AccountError, Identity, UserStore, bearer_token

__all__ = ["AccessDenied", "AccessSettings", "AccountError", "EDITOR_TABS", "Identity", "LoginThrottle", "SignIn", "UserStore",
           "WriteLimits", "WriteRefused", "allowed", "audit", "authorize", "bearer_token", "changes", "client_origin",
           "listen_message", "oidc_identity", "sign_in", "visible_tabs"]
