
pub use crate::types::_create_bucket_configuration::CreateBucketConfigurationBuilder;

pub use crate::types::_session_credentials::SessionCredentialsBuilder;

pub use crate::types::_owner::OwnerBuilder;

pub use crate::types::_public_access_block_configuration::PublicAccessBlockConfigurationBuilder;

pub use crate::types::_tagging::TaggingBuilder;

pub use crate::types::_location_info::LocationInfoBuilder;

pub use crate::types::_bucket_info::BucketInfoBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_bucket::BucketBuilder;

pub use crate::types::_records_event::RecordsEventBuilder;

pub use crate::types::_stats_event::StatsEventBuilder;

pub use crate::types::_progress_event::ProgressEventBuilder;

pub use crate::types::_continuation_event::ContinuationEventBuilder;

pub use crate::types::_end_event::EndEventBuilder;

pub use crate::types::_stats::StatsBuilder;

pub use crate::types::_progress::ProgressBuilder;
