"""boto3 clients for an emulator endpoint, shared by the integration and molecule tests."""

from __future__ import annotations

import boto3

import emulator as launcher


class Aws:
    """Clients for one endpoint and region, created on first use: aws.ec2, aws.s3, ..."""

    def __init__(self, emulator: launcher.EmulatorState, region: str = "us-east-2"):
        self.endpoint = emulator.endpoint
        self.ca_bundle = emulator.ca_bundle
        self.region = region
        self._clients = {}

    def environment(self) -> dict[str, str]:
        """What points boto3, Ansible's AWS modules and the tools at the endpoint these clients use, with their keys."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CA_BUNDLE": self.ca_bundle,
            "EMULATOR_CA_BUNDLE": self.ca_bundle,
            **launcher.DUMMY_CREDENTIALS,
        }

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self._new_client(service)
        return self._clients[service]

    def _new_client(self, service: str):
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint,
            verify=self.ca_bundle,
            aws_access_key_id=launcher.DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=launcher.DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def __getattr__(self, service: str):
        if service.startswith("_"):
            raise AttributeError(service)
        return self.client(service)
