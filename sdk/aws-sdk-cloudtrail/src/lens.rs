
pub(crate) fn reflens_list_tags_output_output_next_token(
    input: &crate::operation::list_tags::ListTagsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_lookup_events_output_output_next_token(
    input: &crate::operation::lookup_events::LookupEventsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_tags_output_output_resource_tag_list(
    input: crate::operation::list_tags::ListTagsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::ResourceTag>> {
    let input = input.resource_tag_list?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_lookup_events_output_output_events(
    input: crate::operation::lookup_events::LookupEventsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Event>> {
    let input = input.events?;
    ::std::option::Option::Some(input)
}
