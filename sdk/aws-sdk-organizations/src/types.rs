
pub use crate::types::_access_denied_for_dependency_exception_reason::AccessDeniedForDependencyExceptionReason;

pub use crate::types::_constraint_violation_exception_reason::ConstraintViolationExceptionReason;

pub use crate::types::_handshake_constraint_violation_exception_reason::HandshakeConstraintViolationExceptionReason;

pub use crate::types::_invalid_input_exception_reason::InvalidInputExceptionReason;

pub use crate::types::_iam_user_access_to_billing::IamUserAccessToBilling;

pub use crate::types::_create_account_status::CreateAccountStatus;

pub use crate::types::_organization_feature_set::OrganizationFeatureSet;

pub use crate::types::_organization::Organization;

pub use crate::types::_policy_type::PolicyType;

pub use crate::types::_account::Account;

pub use crate::types::_tag::Tag;

pub use crate::types::_create_account_state::CreateAccountState;

pub use crate::types::_create_account_failure_reason::CreateAccountFailureReason;

pub use crate::types::_account_status::AccountStatus;

pub use crate::types::_account_state::AccountState;

pub use crate::types::_account_joined_method::AccountJoinedMethod;

pub use crate::types::_policy_type_summary::PolicyTypeSummary;

pub use crate::types::_policy_type_status::PolicyTypeStatus;

mod _access_denied_for_dependency_exception_reason;

mod _account;

mod _account_joined_method;

mod _account_state;

mod _account_status;

mod _constraint_violation_exception_reason;

mod _create_account_failure_reason;

mod _create_account_state;

mod _create_account_status;

mod _handshake_constraint_violation_exception_reason;

mod _iam_user_access_to_billing;

mod _invalid_input_exception_reason;

mod _organization;

mod _organization_feature_set;

mod _policy_type;

mod _policy_type_status;

mod _policy_type_summary;

mod _tag;

/// Builders
pub mod builders;

/// Error types that AWS Organizations can respond with.
pub mod error;
