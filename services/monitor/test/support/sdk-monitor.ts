/** The SDK's monitor reporter, as business services import it. */
export { MonitorReporter, callRecordsToReports } from '@msec/sdk';
