
pub use crate::types::_parameter::ParameterBuilder;

pub use crate::types::_tag::TagBuilder;
