
pub use crate::types::_parameter::Parameter;

pub use crate::types::_parameter_type::ParameterType;

pub use crate::types::_parameter_tier::ParameterTier;

pub use crate::types::_tag::Tag;

mod _parameter;

mod _parameter_tier;

mod _parameter_type;

mod _tag;

/// Builders
pub mod builders;

/// Error types that Amazon Simple Systems Manager (SSM) can respond with.
pub mod error;
