/** The help text of `cfrt replay` (kept apart so `cfrt --help` does not load the replay machinery). */
export const REPLAY_HELP = `cfrt replay [--fields <list>] [options] [FILE|GLOB|- ...]
    A local end-to-end run of the real pipeline, no AWS account: starts kinesalite and dynalite
    on loopback, writes the lines into a stream one record per line across shards (as
    CloudFront does), polls the shards and invokes the Lambda handler the way the event source
    mapping does (batches, partial failures, retries from the failed sequence number), then
    prints what landed: windows read back from DynamoDB, EMF metrics, quarantined records.
    With no --fields and no file it replays the bundled sample. Needs the devDependencies
    dynalite and kinesalite (npm install --save-dev dynalite kinesalite).

    --previous-fields <list>   the list before a config change: the handler reads lines of
                               both (CFRT_PREVIOUS_FIELDS); it needs another number of fields
    --shards <n>               shards of the source stream (default 2)
    --batch-size <n>           records per handler invocation, 1-10000 (default 100)
    --window <seconds>         window size (default 60)
    --dimension <set>          dimension sets for the handler, e.g. country (repeatable)
    --sampling-rate <1-100>    the config's sampling rate
    --format table|json        what landed, as text (default) or one JSON document
    --emf                      also print the EMF lines the handler wrote
    --limit <n>                replay only the first n lines
    A line over 1 MiB cannot be a Kinesis record: it is counted as too long, not put.
    --fault-rate <0-1>         answer this share of DynamoDB and quarantine calls with
                               throttling or a 500, to watch retries keep the totals exact
    --dynamodb-endpoint <url> --table <name>
                               keep the windows in a DynamoDB that outlives the run (a
                               dynalite or DynamoDB Local server), creating the table with the
                               SAM app's key schema when missing; items get no TTL (replayed
                               logs are older than it). Then: cfrt query --endpoint <url>
                               --table <name> --from 0. Replaying the same lines again into the
                               same table counts them again (new sequence numbers).
    --archive <dir>            also write the processed records (the handler's kinesis sink,
                               as with the SAM app's CreateArchive) into <dir>, laid out as the
                               archive tier's Firehose writes S3: records/dt=YYYY-MM-DD/hour=HH/
                               *.json.gz, by event time; records without one under errors/
`;

/** What `cfrt replay` needs beyond the library's own dependencies (devDependencies / optional peers). */
export const REPLAY_PACKAGES = [
  'dynalite',
  'kinesalite',
  '@aws-sdk/client-kinesis',
  '@aws-sdk/client-dynamodb',
  '@smithy/node-http-handler',
] as const;
