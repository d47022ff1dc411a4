"""Decoding what the recorder holds: JSON bodies as they are, query and EC2 form bodies
unflattened, S3's REST requests as Bucket, Key and their XML or JSON body."""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET

from support.aws_proxy import Request
from support.contract.model import Call


def _unflatten(pairs: dict[str, str]) -> dict:
    """Query-protocol form fields as nested dicts and lists: `.member.N` (query) and `.N` (EC2)
    index lists, numbered from 1."""
    tree: dict = {}
    for dotted, value in pairs.items():
        parts = [part for part in dotted.split(".") if part != "member"]
        node = tree
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            key = int(part) - 1 if part.isdigit() else part
            if following is None:
                _put(node, key, value)
            else:
                node = _child(node, key, [] if following.isdigit() else {})
    return tree


def _child(node, key, empty):
    if isinstance(node, list):
        while len(node) <= key:
            node.append(None)
        if node[key] is None:
            node[key] = empty
        return node[key]
    return node.setdefault(key, empty)


def _put(node, key, value) -> None:
    if isinstance(node, list):
        while len(node) <= key:
            node.append(None)
    node[key] = value


def _xml(element: ET.Element):
    """An XML element as a dict of its children (repeated ones as lists), or its text."""
    children = list(element)
    if not children:
        return element.text or ""
    result: dict = {}
    for child in children:
        tag = child.tag.split("}", 1)[-1]
        value = _xml(child)
        if tag in result:
            result[tag] = result[tag] if isinstance(result[tag], list) else [result[tag]]
            result[tag].append(value)
        else:
            result[tag] = value
    return result


def decode(request: Request) -> Call:
    if request.protocol in ("json", "rest-json"):
        params = json.loads(request.body or b"{}")
    elif request.protocol in ("query", "ec2"):
        url = urllib.parse.urlsplit(request.path)
        fields = dict(urllib.parse.parse_qsl(url.query))
        fields.update(urllib.parse.parse_qsl(request.body.decode()))
        params = _unflatten(fields)
    else:
        params = _s3_params(request)
    return Call(request.service, request.operation, params)


def _s3_params(request: Request) -> dict:
    url = urllib.parse.urlsplit(request.path)
    bucket, _slash, key = urllib.parse.unquote(url.path).lstrip("/").partition("/")
    params: dict = {"Bucket": bucket}
    if key:
        params["Key"] = key
    # An object's body is its data; a bucket request's is its configuration.
    body = b"" if key else request.body.strip()
    if body.startswith(b"<"):
        root = ET.fromstring(body)
        params[root.tag.split("}", 1)[-1]] = _xml(root)
    elif body.startswith(b"{"):
        params["Policy"] = body.decode()
    if "x-amz-tagging" in request.headers:
        params["Tagging"] = {
            "TagSet": {
                "Tag": [{"Key": k, "Value": v} for k, v in urllib.parse.parse_qsl(request.headers["x-amz-tagging"])]
            }
        }
    return params
