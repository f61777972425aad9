"""A Spark session for the population engine: local mode by default, a cluster by URL."""

from __future__ import annotations

from typing import Any


def spark_session(master: str = "local[2]") -> Any:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName("trialkit")
    if master.startswith("local"):
        # loopback only: this machine has no other network (and tests must not reach one)
        builder = (
            builder.config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
        )
    return builder.getOrCreate()
