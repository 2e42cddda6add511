/** The Function App's entry point (package.json `main`): registers every function. */
import './sweepTimer';
import './sweepShard';
import './remediationJob';
import './vmWritten';
