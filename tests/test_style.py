"""The plotting style changes matplotlib's settings only when asked to."""

import importlib

import matplotlib as mpl

import _style


def test_import_changes_no_setting_and_use_applies_them():
    with mpl.rc_context():
        mpl.rcdefaults()
        before = dict(mpl.rcParams)
        importlib.reload(_style)
        assert dict(mpl.rcParams) == before
        _style.use()
        wanted = mpl.RcParams(_style.RC)  # validated: a tuple becomes a list
        assert all(mpl.rcParams[k] == wanted[k] for k in _style.RC)
