"""The harness shared by the tests, the benchmarks (``bench/``) and ``scripts/``.

One home for each piece, so that they cannot drift apart:

* ``servers``  - ``wait_until`` (the one poll with a deadline), ``free_port``,
  ``run_server`` (one server process for a test);
* ``stack``    - ``Stack``: both sandboxes, the web app, workers and Flower as
  real processes (``make up``, ``make demo``, e2e tests, bench);
* ``quiet``    - workers' JSON logs and ``wait_quiet`` (counts jobs, not runs);
* ``broker``   - look into and delete a run's queues;
* ``services`` - probe RabbitMQ / Redis, clear a run's Redis keys;
* ``fixtures`` - patient bundles and Salesforce messages (``bundles`` and
  ``salesforce_messages`` re-export them by topic).

Production code never imports it; the sandboxes never import it either.
"""
