
pub(crate) fn reflens_list_access_keys_output_output_marker(
    input: &crate::operation::list_access_keys::ListAccessKeysOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_user_tags_output_output_marker(
    input: &crate::operation::list_user_tags::ListUserTagsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_users_output_output_marker(
    input: &crate::operation::list_users::ListUsersOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_access_keys_output_output_access_key_metadata(
    input: crate::operation::list_access_keys::ListAccessKeysOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::AccessKeyMetadata>> {
    let input = input.access_key_metadata;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_user_tags_output_output_tags(
    input: crate::operation::list_user_tags::ListUserTagsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Tag>> {
    let input = input.tags;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_users_output_output_users(
    input: crate::operation::list_users::ListUsersOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::User>> {
    let input = input.users;
    ::std::option::Option::Some(input)
}
