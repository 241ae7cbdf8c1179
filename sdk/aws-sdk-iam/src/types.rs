
pub use crate::types::_access_key::AccessKey;

pub use crate::types::_login_profile::LoginProfile;

pub use crate::types::_user::User;

pub use crate::types::_access_key_last_used::AccessKeyLastUsed;

pub use crate::types::_password_policy::PasswordPolicy;

pub use crate::types::_status_type::StatusType;

pub use crate::types::_attached_permissions_boundary::AttachedPermissionsBoundary;

pub use crate::types::_tag::Tag;

pub use crate::types::_access_key_metadata::AccessKeyMetadata;

pub use crate::types::_permissions_boundary_attachment_type::PermissionsBoundaryAttachmentType;

mod _access_key;

mod _access_key_last_used;

mod _access_key_metadata;

mod _attached_permissions_boundary;

mod _login_profile;

mod _password_policy;

mod _permissions_boundary_attachment_type;

mod _status_type;

mod _tag;

mod _user;

/// Builders
pub mod builders;

/// Error types that AWS Identity and Access Management can respond with.
pub mod error;
