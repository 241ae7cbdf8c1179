
pub use crate::types::_create_account_status::CreateAccountStatusBuilder;

pub use crate::types::_organization::OrganizationBuilder;

pub use crate::types::_account::AccountBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_policy_type_summary::PolicyTypeSummaryBuilder;
