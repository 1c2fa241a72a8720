"""Storage of a dataset on disk: shards (the unit of work, retry and resume), the job record,
the merge of shards into the dataset under a lock. Formats decide what files hold; this room
decides where and when they become visible."""
