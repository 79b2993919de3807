import FuzzSupport

runFuzzer(fuzzPageToken)
