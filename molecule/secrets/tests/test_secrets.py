"""The secrets role encrypts the platform's secrets with its own key; passwords are strong and unique."""

from support import expectations


def test_key_secrets_and_generated_values_match_the_seed(aws):
    expectations.secrets(aws)
