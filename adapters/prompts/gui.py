"""MFA prompts in a desktop dialog: zenity, kdialog, osascript (macOS) and wincredui (Windows) (reference §5).

aws-vault picks one of these when stdout is not a terminal (``$(aws-vault export)``, credential_process)
or a background server may need a code later. Each dialog's answer is its program's stdout, trimmed.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from collections.abc import Mapping

from aws_vault.adapters.prompts.program import run_program
from aws_vault.application.ports import MfaPrompt
from aws_vault.domain.errors import PromptError


def mfa_message(mfa_serial: str) -> str:
    return f"Enter MFA code for {mfa_serial}: "  # v7 wording; v4-v6 said "Enter token for <serial>: "


class _DialogMfaPrompt(MfaPrompt):
    """A dialog program: its argv for the message, run with ``/dev/null`` stdin and its stderr discarded."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    @abstractmethod
    def argv(self, message: str) -> list[str]:
        """The program and its arguments that show ``message``."""

    def ask(self, mfa_serial: str, profile: str) -> str:
        return run_program(self.argv(mfa_message(mfa_serial)), self.env, error=PromptError)


class ZenityMfaPrompt(_DialogMfaPrompt):
    def argv(self, message: str) -> list[str]:
        return ["zenity", "--entry", "--title", "aws-vault", "--text", message]


class KdialogMfaPrompt(_DialogMfaPrompt):
    def argv(self, message: str) -> list[str]:
        return ["kdialog", "--inputbox", message, "--title", "aws-vault"]


def applescript_string(text: str) -> str:
    """``text`` as an AppleScript string literal (aws-vault uses Go's ``%q``; the same for printable text)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


class OsascriptMfaPrompt(_DialogMfaPrompt):
    def argv(self, message: str) -> list[str]:
        # prompt/osascript.go's script, whitespace included.
        script = (
            f'\n\t\tdisplay dialog {applescript_string(message)} default answer "" buttons {{"OK", "Cancel"}} '
            "default button 1\n"
            "        text returned of the result\n"
            "        return result"
        )
        return ["osascript", "-e", script]


# CredUIPromptForCredentialsW flags (wincred.h)
CREDUI_FLAGS_ALWAYS_SHOW_UI = 0x00080
CREDUI_FLAGS_GENERIC_CREDENTIALS = 0x40000
CREDUI_FLAGS_KEEP_USERNAME = 0x100000
PASSWORD_CHARS = 64


def short_serial(mfa_serial: str) -> str:
    """The user name wincredui shows: ``arn:aws:iam::123456789012:mfa/jon`` -> ``123456789012/jon``."""
    return mfa_serial.replace("arn:aws:iam::", "").replace(":mfa", "")


class WinCredUiMfaPrompt(MfaPrompt):
    """Windows' own credential dialog; the password field is the code (prompt/wincredui_windows.go)."""

    def ask(self, mfa_serial: str, profile: str) -> str:
        if sys.platform != "win32":
            raise PromptError("wincredui: only available on Windows")
        import ctypes
        from ctypes import wintypes

        class CREDUI_INFOW(ctypes.Structure):  # the Win32 name
            _fields_ = [
                ("cbSize", wintypes.DWORD),
                ("hwndParent", wintypes.HWND),
                ("pszMessageText", wintypes.LPCWSTR),
                ("pszCaptionText", wintypes.LPCWSTR),
                ("hbmBanner", wintypes.HBITMAP),
            ]

        info = CREDUI_INFOW(0, None, mfa_message(mfa_serial), "Enter MFA code for aws-vault", None)
        info.cbSize = ctypes.sizeof(info)
        user = short_serial(mfa_serial)
        user_buf = ctypes.create_unicode_buffer(user, len(user) + 1)
        password = ctypes.create_unicode_buffer(PASSWORD_CHARS)
        save = wintypes.BOOL(False)
        flags = CREDUI_FLAGS_ALWAYS_SHOW_UI | CREDUI_FLAGS_KEEP_USERNAME | CREDUI_FLAGS_GENERIC_CREDENTIALS
        prompt = ctypes.windll.credui.CredUIPromptForCredentialsW
        # aws-vault passes the target name as 8-bit bytes to this UTF-16 function; we pass it as UTF-16.
        ret = prompt(
            ctypes.byref(info),
            "aws-vault",
            None,
            0,
            user_buf,
            len(user) + 1,
            password,
            PASSWORD_CHARS,
            ctypes.byref(save),
            flags,
        )
        try:
            if ret != 0:
                raise PromptError("wincredui: call to CredUIPromptForCredentialsW failed")
            code = password.value.strip()
        finally:
            ctypes.memset(password, 0, ctypes.sizeof(password))
        if not code:
            raise PromptError("wincredui: returned no MFA code")
        return code
