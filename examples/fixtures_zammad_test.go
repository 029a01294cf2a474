package examples_test

// zammadFixtureCases are zammad.xml's fixtures (fixtureCases).
var zammadFixtureCases = []fixtureCase{}
