"""Bank interchange: exports to Anki, Moodle XML, GIFT and YAML; CSV import."""
