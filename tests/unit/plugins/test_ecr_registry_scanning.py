"""ecr_registry_scanning: the registry's configuration compared in the module's terms, set only when it differs."""

from __future__ import annotations

from ansible_collections.dataeng.platform.plugins.modules import ecr_registry_scanning as module

SCAN_EVERY_PUSH = {"scan_type": "BASIC", "rules": [{"scan_frequency": "SCAN_ON_PUSH", "repository_filters": ["*"]}]}


def test_a_registry_never_configured_differs_from_scan_on_push():
    # What GetRegistryScanningConfiguration answers for a registry nobody configured.
    untouched = {"registryId": "123456789012", "scanningConfiguration": {"scanType": "BASIC", "rules": []}}
    assert module.configuration_of(untouched) != module.wanted_configuration(SCAN_EVERY_PUSH)


def test_what_the_module_sets_reads_back_equal():
    request = module.scanning_request(module.wanted_configuration(SCAN_EVERY_PUSH))
    assert request == {
        "scanType": "BASIC",
        "rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}],
    }
    answer = {"scanningConfiguration": request}
    assert module.configuration_of(answer) == module.wanted_configuration(SCAN_EVERY_PUSH)


def test_rule_and_filter_order_is_no_change():
    rules = [
        {"scan_frequency": "SCAN_ON_PUSH", "repository_filters": ["b-*", "a-*"]},
        {"scan_frequency": "CONTINUOUS_SCAN", "repository_filters": ["prod-*"]},
    ]
    reordered = [{**rules[1]}, {**rules[0], "repository_filters": ["a-*", "b-*"]}]
    params = {"scan_type": "ENHANCED", "rules": rules}
    answer = {
        "scanningConfiguration": module.scanning_request(module.wanted_configuration({**params, "rules": reordered}))
    }
    assert module.configuration_of(answer) == module.wanted_configuration(params)


def test_enhanced_scanning_is_a_change():
    enhanced = {**SCAN_EVERY_PUSH, "scan_type": "ENHANCED"}
    assert module.wanted_configuration(enhanced) != module.wanted_configuration(SCAN_EVERY_PUSH)
