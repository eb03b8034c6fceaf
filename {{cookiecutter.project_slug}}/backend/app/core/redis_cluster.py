"""Redis Cluster, when REDIS_CLUSTER_URLS names its nodes: the one client every part shares.

The rooms (app/realtime/rooms/redis_cluster.py) and the throttle (app/throttle/store.py) use
redis-py's cluster client, which follows the slots as they move (a failover, a resharding).
"""

from typing import Any
from urllib.parse import urlsplit

from redis.asyncio.cluster import ClusterNode, RedisCluster

from app.core.config import settings


def node_url(host: str, port: int) -> str:
    """The URL of one node, with the seed's scheme, user and password (the nodes share them)."""
    seed = urlsplit(settings.REDIS_CLUSTER_URLS[0])
    account = seed.netloc.rpartition("@")[0]
    netloc = f"{account}@{host}:{port}" if account else f"{host}:{port}"
    return seed._replace(netloc=netloc, path="", query="").geturl()


def cluster_client(**options: Any) -> RedisCluster:
    """A client of the cluster; any seed that answers tells it where every slot is."""
    first, *others = settings.REDIS_CLUSTER_URLS
    seeds = [urlsplit(url) for url in others]
    return RedisCluster.from_url(
        first,
        startup_nodes=[ClusterNode(seed.hostname or "", seed.port or 6379) for seed in seeds],
        **options,
    )
