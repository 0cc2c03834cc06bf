/**
 * The version of rose-ts (checked against package.json by a test).
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"
