
pub use crate::types::_access_key::AccessKeyBuilder;

pub use crate::types::_login_profile::LoginProfileBuilder;

pub use crate::types::_user::UserBuilder;

pub use crate::types::_access_key_last_used::AccessKeyLastUsedBuilder;

pub use crate::types::_password_policy::PasswordPolicyBuilder;

pub use crate::types::_attached_permissions_boundary::AttachedPermissionsBoundaryBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_access_key_metadata::AccessKeyMetadataBuilder;
