"""The company page (`company show`): its people, their open follow-ups, its deals and their totals, the timeline across its people, the last contact, and the domain its people's emails suggest."""
