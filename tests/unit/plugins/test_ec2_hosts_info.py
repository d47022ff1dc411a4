"""The ec2_hosts_info module's planning: which images it asks EC2 for, and a volume in ec2_vol_info's shape."""

from __future__ import annotations

import datetime

from ansible_collections.dataeng.platform.plugins.modules import ec2_hosts_info as module

NO_IMAGE = {"image_ids": [], "image_owners": [], "image_filters": {}}
ATTACHED = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)


def test_no_image_is_read_when_nothing_selects_one():
    # DescribeImages with no parameter lists every image the account may launch, public ones included.
    assert module.image_request(NO_IMAGE) is None


def test_images_are_read_by_id_or_by_owner_and_filters():
    assert module.image_request({**NO_IMAGE, "image_ids": ["ami-1"]}) == {"Filters": [], "ImageIds": ["ami-1"]}
    assert module.image_request(
        {**NO_IMAGE, "image_owners": ["136693071363"], "image_filters": {"name": "debian-13-*"}}
    ) == {"Filters": [{"Name": "name", "Values": ["debian-13-*"]}], "Owners": ["136693071363"]}


# A DescribeVolumes answer's volume, as the EC2 API reference documents Volume and VolumeAttachment
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html).
DESCRIBED_VOLUME = {
    "VolumeId": "vol-1",
    "Size": 20,
    "VolumeType": "gp3",
    "Iops": 3000,
    "Throughput": 125,
    "Encrypted": True,
    "State": "in-use",
    "SnapshotId": "",
    "AvailabilityZone": "eu-west-1a",
    "CreateTime": ATTACHED,
    "Attachments": [
        {
            "VolumeId": "vol-1",
            "InstanceId": "i-1",
            "Device": "/dev/xvda",
            "State": "attached",
            "DeleteOnTermination": True,
            "AttachTime": ATTACHED,
        }
    ],
    "Tags": [{"Key": "Snapshots", "Value": "dev"}],
}


def test_a_volume_reads_as_ec2_vol_info_returns_it():
    assert module.volume(DESCRIBED_VOLUME, "eu-west-1") == {
        "create_time": "2026-12-07T12:00:00+00:00",
        "id": "vol-1",
        "encrypted": True,
        "iops": 3000,
        "size": 20,
        "snapshot_id": "",
        "status": "in-use",
        "type": "gp3",
        "zone": "eu-west-1a",
        "region": "eu-west-1",
        "attachment_set": [
            {
                "attach_time": "2026-12-07T12:00:00+00:00",
                "device": "/dev/xvda",
                "instance_id": "i-1",
                "status": "attached",
                "delete_on_termination": True,
            }
        ],
        "tags": {"Snapshots": "dev"},
        "throughput": 125,
    }


def test_an_untagged_volume_has_no_tags_and_a_standard_one_no_iops_or_throughput():
    untagged = {
        key: value for key, value in DESCRIBED_VOLUME.items() if key not in ("Tags", "Iops", "Throughput", "SnapshotId")
    }
    shown = module.volume({**untagged, "VolumeType": "standard"}, "eu-west-1")
    assert (shown["tags"], shown["iops"], shown["snapshot_id"], "throughput" in shown) == (None, None, "", False)
