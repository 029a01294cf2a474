package examples_test

// pipedriveFixtureCases are pipedrive.xml's fixtures (fixtureCases).
var pipedriveFixtureCases = []fixtureCase{}
