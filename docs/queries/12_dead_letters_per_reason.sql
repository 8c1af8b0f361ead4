-- Question: why were messages rejected, and from which topics?
--
-- Dead letters per reason code (a message with several reasons counts under each),
-- redeliveries of one message (same topic, partition, offset) counted once (FINAL).
SELECT
    reason,
    count() AS messages,
    arraySort(groupUniqArray(source_topic)) AS source_topics
FROM
(
    SELECT source_topic, reason_codes
    FROM {db}.dead_letters FINAL
)
ARRAY JOIN reason_codes AS reason
GROUP BY reason
ORDER BY messages DESC, reason
