"""Result codes (RFC 4511 Appendix A) and the exceptions that carry them.

Every code has a description (:func:`describe`); codes the RFC does not list
are kept as plain ints.  :func:`raise_for_result` turns an LDAPResult-based
response into an exception of the class for its code, carrying the code,
matched DN, diagnostic message, referrals and the response's controls; it
returns quietly for the codes that report success (success, compareFalse,
compareTrue, saslBindInProgress).
"""

from __future__ import annotations

from typing import Any, ClassVar

from .._generated.rfc4511_model import Control, LDAPResult, ResultCode
from ..errors import LDAPBERError

__all__ = [  # literal, for type checkers; tests/test_public_names.py keeps it complete
    "DESCRIPTIONS", "NON_ERROR_CODES", "describe", "raise_for_result", "error_class", "LDAPResultError",
    "OperationsError", "ProtocolError", "TimeLimitExceededError", "SizeLimitExceededError",
    "AuthMethodNotSupportedError", "StrongerAuthRequiredError", "ReferralError", "AdminLimitExceededError",
    "UnavailableCriticalExtensionError", "ConfidentialityRequiredError", "NoSuchAttributeError",
    "UndefinedAttributeTypeError", "InappropriateMatchingError", "ConstraintViolationError",
    "AttributeOrValueExistsError", "InvalidAttributeSyntaxError", "NoSuchObjectError", "AliasProblemError",
    "InvalidDNSyntaxError", "AliasDereferencingProblemError", "InappropriateAuthenticationError",
    "InvalidCredentialsError", "InsufficientAccessRightsError", "BusyError", "UnavailableError",
    "UnwillingToPerformError", "LoopDetectError", "NamingViolationError", "ObjectClassViolationError",
    "NotAllowedOnNonLeafError", "NotAllowedOnRDNError", "EntryAlreadyExistsError", "ObjectClassModsProhibitedError",
    "AffectsMultipleDSAsError", "OtherError",
]

DESCRIPTIONS: dict[int, str] = {
    ResultCode.SUCCESS: "the operation completed successfully",
    ResultCode.OPERATIONS_ERROR: "the operation is not properly sequenced with other operations",
    ResultCode.PROTOCOL_ERROR: "the server received data that is not well-formed",
    ResultCode.TIME_LIMIT_EXCEEDED: "the time limit specified by the client was exceeded",
    ResultCode.SIZE_LIMIT_EXCEEDED: "the size limit specified by the client was exceeded",
    ResultCode.COMPARE_FALSE: "the compare operation completed and the assertion is false",
    ResultCode.COMPARE_TRUE: "the compare operation completed and the assertion is true",
    ResultCode.AUTH_METHOD_NOT_SUPPORTED: "the authentication method or mechanism is not supported",
    ResultCode.STRONGER_AUTH_REQUIRED: "the server requires stronger authentication",
    ResultCode.REFERRAL: "a referral is needed to complete the operation",
    ResultCode.ADMIN_LIMIT_EXCEEDED: "an administrative limit was exceeded",
    ResultCode.UNAVAILABLE_CRITICAL_EXTENSION: "a critical control is unrecognized or inappropriate",
    ResultCode.CONFIDENTIALITY_REQUIRED: "data confidentiality protections are required",
    ResultCode.SASL_BIND_IN_PROGRESS: "the server requires the client to continue the SASL bind",
    ResultCode.NO_SUCH_ATTRIBUTE: "the named entry does not contain the specified attribute or value",
    ResultCode.UNDEFINED_ATTRIBUTE_TYPE: "an attribute type is not defined in the server's schema",
    ResultCode.INAPPROPRIATE_MATCHING: "the matching rule is not defined for the attribute type",
    ResultCode.CONSTRAINT_VIOLATION: "a value violates a constraint of the attribute",
    ResultCode.ATTRIBUTE_OR_VALUE_EXISTS: "the attribute or value already exists in the entry",
    ResultCode.INVALID_ATTRIBUTE_SYNTAX: "a value does not conform to the syntax of its attribute",
    ResultCode.NO_SUCH_OBJECT: "the target object cannot be found",
    ResultCode.ALIAS_PROBLEM: "an alias was dereferenced that names no object",
    ResultCode.INVALID_DN_SYNTAX: "a distinguished name does not conform to the required syntax",
    ResultCode.ALIAS_DEREFERENCING_PROBLEM: "a problem occurred while dereferencing an alias",
    ResultCode.INAPPROPRIATE_AUTHENTICATION: "the client cannot authenticate in the way it tried",
    ResultCode.INVALID_CREDENTIALS: "the provided credentials are invalid",
    ResultCode.INSUFFICIENT_ACCESS_RIGHTS: "the client lacks the access rights for the operation",
    ResultCode.BUSY: "the server is too busy to service the operation",
    ResultCode.UNAVAILABLE: "the server is shutting down or a needed subsystem is unavailable",
    ResultCode.UNWILLING_TO_PERFORM: "the server is unwilling to perform the operation",
    ResultCode.LOOP_DETECT: "the server detected an internal loop, e.g. while chasing aliases or referrals",
    ResultCode.NAMING_VIOLATION: "the entry's name violates naming restrictions",
    ResultCode.OBJECT_CLASS_VIOLATION: "the entry violates object class restrictions",
    ResultCode.NOT_ALLOWED_ON_NON_LEAF: "the operation is not allowed on an entry that has subordinates",
    ResultCode.NOT_ALLOWED_ON_RDN: "the operation would affect the entry's RDN",
    ResultCode.ENTRY_ALREADY_EXISTS: "an entry with that name already exists",
    ResultCode.OBJECT_CLASS_MODS_PROHIBITED: "the operation would change the structural object class",
    ResultCode.AFFECTS_MULTIPLE_DSAS: "the operation would move entries between servers",
    ResultCode.OTHER: "the server encountered an internal error",
}

#: Codes that do not indicate a failure.
NON_ERROR_CODES = frozenset({ResultCode.SUCCESS, ResultCode.COMPARE_FALSE, ResultCode.COMPARE_TRUE,
                             ResultCode.SASL_BIND_IN_PROGRESS})


def describe(code: int) -> str:
    """A description of a result code; unknown codes are named by number."""
    return DESCRIPTIONS.get(code, f"result code {int(code)} (not defined by RFC 4511)")


class LDAPResultError(LDAPBERError):
    """A response reported a failure.  One subclass per RFC 4511 code;
    this class itself stands for codes the RFC does not define."""

    code: ClassVar[int | None] = None
    _registry: ClassVar[dict[int, type[LDAPResultError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code is not None:
            if cls.code in LDAPResultError._registry:
                raise TypeError(f"two exception classes for result code {cls.code}")
            LDAPResultError._registry[cls.code] = cls

    def __init__(self, result_code: int, matched_dn: str = "", diagnostic_message: str = "",
                 referral: list[str] | None = None, controls: list[Control] | None = None,
                 result: LDAPResult | None = None) -> None:
        self.result_code = result_code
        self.matched_dn = matched_dn
        self.diagnostic_message = diagnostic_message
        self.referral = referral
        self.controls = controls
        self.result = result
        name = result_code.name if isinstance(result_code, ResultCode) else str(int(result_code))
        text = f"{name} ({int(result_code)}): {describe(result_code)}"
        if diagnostic_message:
            text += f": {diagnostic_message}"
        if matched_dn:
            text += f" (matched DN {matched_dn!r})"
        super().__init__(text)


def error_class(code: int) -> type[LDAPResultError]:
    """The exception class for a result code (the base class for unknown ones)."""
    return LDAPResultError._registry.get(code, LDAPResultError)


def raise_for_result(result: LDAPResult, controls: list[Control] | None = None) -> None:
    """Raise the exception for ``result``'s code, unless the code reports success."""
    if result.result_code in NON_ERROR_CODES:
        return
    raise error_class(result.result_code)(result.result_code, result.matched_dn, result.diagnostic_message,
                                          result.referral, controls, result)


class OperationsError(LDAPResultError):
    code = ResultCode.OPERATIONS_ERROR


class ProtocolError(LDAPResultError):
    code = ResultCode.PROTOCOL_ERROR


class TimeLimitExceededError(LDAPResultError):
    code = ResultCode.TIME_LIMIT_EXCEEDED


class SizeLimitExceededError(LDAPResultError):
    code = ResultCode.SIZE_LIMIT_EXCEEDED


class AuthMethodNotSupportedError(LDAPResultError):
    code = ResultCode.AUTH_METHOD_NOT_SUPPORTED


class StrongerAuthRequiredError(LDAPResultError):
    code = ResultCode.STRONGER_AUTH_REQUIRED


class ReferralError(LDAPResultError):
    """The server returned a referral (``referral`` holds its URIs); ldapber
    never chases referrals itself."""

    code = ResultCode.REFERRAL


class AdminLimitExceededError(LDAPResultError):
    code = ResultCode.ADMIN_LIMIT_EXCEEDED


class UnavailableCriticalExtensionError(LDAPResultError):
    code = ResultCode.UNAVAILABLE_CRITICAL_EXTENSION


class ConfidentialityRequiredError(LDAPResultError):
    code = ResultCode.CONFIDENTIALITY_REQUIRED


class NoSuchAttributeError(LDAPResultError):
    code = ResultCode.NO_SUCH_ATTRIBUTE


class UndefinedAttributeTypeError(LDAPResultError):
    code = ResultCode.UNDEFINED_ATTRIBUTE_TYPE


class InappropriateMatchingError(LDAPResultError):
    code = ResultCode.INAPPROPRIATE_MATCHING


class ConstraintViolationError(LDAPResultError):
    code = ResultCode.CONSTRAINT_VIOLATION


class AttributeOrValueExistsError(LDAPResultError):
    code = ResultCode.ATTRIBUTE_OR_VALUE_EXISTS


class InvalidAttributeSyntaxError(LDAPResultError):
    code = ResultCode.INVALID_ATTRIBUTE_SYNTAX


class NoSuchObjectError(LDAPResultError):
    code = ResultCode.NO_SUCH_OBJECT


class AliasProblemError(LDAPResultError):
    code = ResultCode.ALIAS_PROBLEM


class InvalidDNSyntaxError(LDAPResultError):
    code = ResultCode.INVALID_DN_SYNTAX


class AliasDereferencingProblemError(LDAPResultError):
    code = ResultCode.ALIAS_DEREFERENCING_PROBLEM


class InappropriateAuthenticationError(LDAPResultError):
    code = ResultCode.INAPPROPRIATE_AUTHENTICATION


class InvalidCredentialsError(LDAPResultError):
    code = ResultCode.INVALID_CREDENTIALS


class InsufficientAccessRightsError(LDAPResultError):
    code = ResultCode.INSUFFICIENT_ACCESS_RIGHTS


class BusyError(LDAPResultError):
    code = ResultCode.BUSY


class UnavailableError(LDAPResultError):
    code = ResultCode.UNAVAILABLE


class UnwillingToPerformError(LDAPResultError):
    code = ResultCode.UNWILLING_TO_PERFORM


class LoopDetectError(LDAPResultError):
    code = ResultCode.LOOP_DETECT


class NamingViolationError(LDAPResultError):
    code = ResultCode.NAMING_VIOLATION


class ObjectClassViolationError(LDAPResultError):
    code = ResultCode.OBJECT_CLASS_VIOLATION


class NotAllowedOnNonLeafError(LDAPResultError):
    code = ResultCode.NOT_ALLOWED_ON_NON_LEAF


class NotAllowedOnRDNError(LDAPResultError):
    code = ResultCode.NOT_ALLOWED_ON_RDN


class EntryAlreadyExistsError(LDAPResultError):
    code = ResultCode.ENTRY_ALREADY_EXISTS


class ObjectClassModsProhibitedError(LDAPResultError):
    code = ResultCode.OBJECT_CLASS_MODS_PROHIBITED


class AffectsMultipleDSAsError(LDAPResultError):
    code = ResultCode.AFFECTS_MULTIPLE_DSAS


class OtherError(LDAPResultError):
    code = ResultCode.OTHER

