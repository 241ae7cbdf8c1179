
pub(crate) fn reflens_list_detectors_output_output_next_token(
    input: &crate::operation::list_detectors::ListDetectorsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_findings_output_output_next_token(
    input: &crate::operation::list_findings::ListFindingsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_detectors_output_output_detector_ids(
    input: crate::operation::list_detectors::ListDetectorsOutput,
) -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {
    let input = input.detector_ids?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_findings_output_output_finding_ids(
    input: crate::operation::list_findings::ListFindingsOutput,
) -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {
    let input = input.finding_ids?;
    ::std::option::Option::Some(input)
}
