/** The requantization stage, conversion plans, reports and the command line. */
package quantbridge.converters;
