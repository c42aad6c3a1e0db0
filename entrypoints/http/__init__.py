"""The HTTP entrypoint: credential servers over the public ``Vault`` (issue 11, reference §6).

- ``cache``: per profile (and per ``/role-arn/`` role) an in-memory cache that renews ahead of expiry
  (``domain.refresh``) and fetches once for any number of concurrent requests.
- ``server``: a loopback ``ThreadingHTTPServer`` run in a thread; every answer is one write, and every
  request is published as an event (``HttpRequestServed`` / ``HttpRequestRefused``).
- ``ecs_server``: the container credentials protocol (``AWS_CONTAINER_CREDENTIALS_FULL_URI``), for
  ``exec --ecs-server`` and ``serve``.
- ``ec2_metadata_server``: the instance metadata protocol, IMDSv2 only, for ``exec --ec2-server``.
"""
