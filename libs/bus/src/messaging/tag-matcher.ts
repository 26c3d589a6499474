/** How a consumer's tags are matched against a message's tags (QMQ's TagType). */
export const TagMode = {
  /** Every tag the consumer names must be on the message. */
  and: 'and',
  /** At least one of the consumer's tags must be on the message. */
  or: 'or',
} as const;
/** One of the tag-matching modes. */
export type TagMode = (typeof TagMode)[keyof typeof TagMode];

/**
 * QMQ's consumer semantics: a consumer without tags receives everything; a consumer that names tags
 * never receives an untagged message; otherwise AND needs all of its tags, OR any of them.
 */
export function tagsMatch(consumerTags: readonly string[], mode: TagMode, messageTags: readonly string[]): boolean {
  if (consumerTags.length === 0) return true;
  if (messageTags.length === 0) return false;
  const have = new Set(messageTags);
  return mode === TagMode.and ? consumerTags.every((t) => have.has(t)) : consumerTags.some((t) => have.has(t));
}
