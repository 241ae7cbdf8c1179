
pub(crate) fn advanced_event_selector_correct_errors(
    mut builder: crate::types::builders::AdvancedEventSelectorBuilder,
) -> crate::types::builders::AdvancedEventSelectorBuilder {
    if builder.field_selectors.is_none() {
        builder.field_selectors = Some(Default::default())
    }
    builder
}

pub(crate) fn tag_correct_errors(mut builder: crate::types::builders::TagBuilder) -> crate::types::builders::TagBuilder {
    if builder.key.is_none() {
        builder.key = Some(Default::default())
    }
    builder
}

pub(crate) fn advanced_field_selector_correct_errors(
    mut builder: crate::types::builders::AdvancedFieldSelectorBuilder,
) -> crate::types::builders::AdvancedFieldSelectorBuilder {
    if builder.field.is_none() {
        builder.field = Some(Default::default())
    }
    builder
}
