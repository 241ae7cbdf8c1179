
pub(crate) fn reflens_list_aliases_output_output_next_marker(
    input: &crate::operation::list_aliases::ListAliasesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_keys_output_output_next_marker(
    input: &crate::operation::list_keys::ListKeysOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_resource_tags_output_output_next_marker(
    input: &crate::operation::list_resource_tags::ListResourceTagsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_aliases_output_output_aliases(
    input: crate::operation::list_aliases::ListAliasesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::AliasListEntry>> {
    let input = input.aliases?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_keys_output_output_keys(
    input: crate::operation::list_keys::ListKeysOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::KeyListEntry>> {
    let input = input.keys?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_resource_tags_output_output_tags(
    input: crate::operation::list_resource_tags::ListResourceTagsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Tag>> {
    let input = input.tags?;
    ::std::option::Option::Some(input)
}
